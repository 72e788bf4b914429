// Progress numbers in a custom status: `<what>_done` + `<what>_total` (the ingestion pipeline's
// files_done/files_total, batches_done/batches_total), `<what>Done` + `<what>Total`, or `done` + `total`.

const PAIRS = [
  [/^(.+)_done$/, (what) => `${what}_total`],
  [/^(.+)Done$/, (what) => `${what}Total`],
  [/^(done)$/, () => "total"],
];

/** [{label, done, total}] for each progress pair in `status` (an object); [] when there is none. */
export function findProgress(status) {
  if (!status || typeof status !== "object" || Array.isArray(status)) return [];
  const found = [];
  for (const [key, done] of Object.entries(status)) {
    for (const [pattern, totalKey] of PAIRS) {
      const match = pattern.exec(key);
      if (!match) continue;
      const total = status[totalKey(match[1])];
      if (isCount(done) && isCount(total) && total > 0) {
        found.push({ label: match[1] === "done" ? "progress" : match[1], done: Math.min(done, total), total });
      }
      break;
    }
  }
  return found;
}

function isCount(value) {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** "3 / 10 (30%)". */
export function progressText({ done, total }) {
  return `${done} / ${total} (${Math.floor((done / total) * 100)}%)`;
}
