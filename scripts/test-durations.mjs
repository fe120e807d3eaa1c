// A test reporter for `npm test`: how long each test file's tests took, as one JSON object keyed by file. scripts/test.mjs
// keeps these between runs and starts the slowest files first, so no long file begins last and runs on alone.
export default async function* testDurations(source) {
  const durations = {};
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      durations[event.data.file] = (durations[event.data.file] ?? 0) + (event.data.details?.duration_ms ?? 0);
    }
  }
  yield `${JSON.stringify(durations)}\n`;
}
