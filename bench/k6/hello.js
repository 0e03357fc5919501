// Scenario 1: hello GET, closed model. BASE_URL, VUS (50), DURATION (15s).
import http from 'k6/http';
import { writeSummary, trendStats } from './summary.js';

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '15s',
  summaryTrendStats: trendStats,
};

const url = `${__ENV.BASE_URL}/hello`;

export default function () {
  http.get(url, { tags: { name: 'hello' } });
}

export function handleSummary(data) {
  return writeSummary(data);
}
