// Scenario 2: many VUs that mostly sleep. BASE_URL, VUS (2000), DURATION (15s), THINK (1 s).
import http from 'k6/http';
import { sleep } from 'k6';
import { writeSummary, trendStats } from './summary.js';

export const options = {
  vus: Number(__ENV.VUS || 2000),
  duration: __ENV.DURATION || '15s',
  summaryTrendStats: trendStats,
};

const url = `${__ENV.BASE_URL}/hello`;
const think = Number(__ENV.THINK || 1);

export default function () {
  http.get(url, { tags: { name: 'hello' } });
  sleep(think);
}

export function handleSummary(data) {
  return writeSummary(data);
}
