// Shared by the bench scripts: write k6's end-of-test data object as JSON to $SUMMARY,
// so bench/run.py reads counts and p95 exactly as k6 reports them.
export function writeSummary(data) {
  const out = {};
  out[__ENV.SUMMARY || 'k6-summary.json'] = JSON.stringify(data);
  out.stdout = '';
  return out;
}

export const trendStats = ['avg', 'med', 'p(95)', 'p(99)', 'max'];
