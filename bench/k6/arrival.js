// Scenario 3: open model, constant arrival rate. BASE_URL, RATE (1000/s), DURATION (15s),
// PREALLOCATED (100), MAX_VUS (1000).
import http from 'k6/http';
import { writeSummary, trendStats } from './summary.js';

export const options = {
  summaryTrendStats: trendStats,
  scenarios: {
    arrival: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 1000),
      timeUnit: '1s',
      duration: __ENV.DURATION || '15s',
      preAllocatedVUs: Number(__ENV.PREALLOCATED || 100),
      maxVUs: Number(__ENV.MAX_VUS || 1000),
    },
  },
};

const url = `${__ENV.BASE_URL}/hello`;

export default function () {
  http.get(url, { tags: { name: 'hello' } });
}

export function handleSummary(data) {
  return writeSummary(data);
}
