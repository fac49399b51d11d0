/**
 * Alert names the dashboards mention (alerts/shopscope.rules.yaml defines them; tests/alerts checks
 * that each one is an alert there).
 */
export const alerts = {
  checkoutAvailabilityBurnRate: 'CheckoutAvailabilityBurnRate',
  highErrorRate: 'HighErrorRate',
  highLatency: 'HighLatency',
  mysqlDown: 'MySQLDown',
  podCrashLooping: 'PodCrashLooping',
  collectorDroppingData: 'CollectorDroppingData',
} as const
