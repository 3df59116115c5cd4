import { reportLocation } from '../../src/activities/reconciliation/reportFiles';

describe('reportLocation', () => {
  it("names the default connection's page at /reports and every other connection's under its own pages", () => {
    expect(reportLocation('r-1', 'default')).toBe('/reports/r-1');
    expect(reportLocation('r-1', 'merchant-a')).toBe('/connections/merchant-a/reports/r-1');
  });
});
