// Scenario 4: signed payment requests with JSON bodies and checks, per shared/specs/signing.md.
// BASE_URL, PAYMENT_PATH (/tribble/payments), API_KEY, API_SECRET, VUS (20), DURATION (15s).
import http from 'k6/http';
import { check } from 'k6';
import crypto from 'k6/crypto';
import { writeSummary, trendStats } from './summary.js';

export const options = {
  vus: Number(__ENV.VUS || 20),
  duration: __ENV.DURATION || '15s',
  summaryTrendStats: trendStats,
};

const base = __ENV.BASE_URL;
const path = __ENV.PAYMENT_PATH || '/tribble/payments';
const apiKey = __ENV.API_KEY || 'test_key_12345';
const apiSecret = __ENV.API_SECRET || 'test_secret_67890';

function randomHex(bytes) {
  const buf = new Uint8Array(crypto.randomBytes(bytes));
  let s = '';
  for (let i = 0; i < buf.length; i++) s += (buf[i] < 16 ? '0' : '') + buf[i].toString(16);
  return s;
}

export default function () {
  const body = JSON.stringify({
    amount: 100 + Math.floor(Math.random() * 401),
    currency: 'USD',
    merchant_id: `mrc_${String(Math.floor(Math.random() * 100)).padStart(4, '0')}`,
    description: 'bench payment',
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomHex(16);
  const canonical = ['POST', path, ts, nonce, crypto.sha256(body, 'hex')].join('\n');
  const headers = {
    'Content-Type': 'application/json',
    'Idempotency-Key': randomHex(16),
    'X-Api-Key': apiKey,
    'X-Timestamp': ts,
    'X-Nonce': nonce,
    'X-Signature': crypto.hmac('sha256', apiSecret, canonical, 'hex'),
  };
  const r = http.post(`${base}${path}`, body, { headers, tags: { name: 'payment' } });
  check(r, {
    'status is 2xx': (res) => res.status >= 200 && res.status < 300,
    'has transaction id': (res) => {
      try {
        return Boolean(res.json('transaction_id') || res.json('id'));
      } catch (e) {
        return false;
      }
    },
  });
}

export function handleSummary(data) {
  return writeSummary(data);
}
