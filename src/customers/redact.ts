/** Failure reasons are kept in workflow state and shown in the Web UI: no e-mail addresses there. */
const EMAIL_LIKE = /[^\s@'"<>(),;:]+@[^\s@'"<>(),;:]+/g;

export function redactEmails(text: string): string {
  return text.replace(EMAIL_LIKE, '<e-mail>');
}
