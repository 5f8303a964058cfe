// A node:test reporter that prints the suites that did not run (by name, with the reason)
// and a final "N passed, N failed, N skipped" line. Suites (describe) are not counted, tests are.
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  const skipped = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined) {
      skipped.push(`${data.name}: ${typeof data.skip === 'string' ? data.skip : 'skipped'}`);
    } else if (event.type === 'test:pass') {
      passed += 1;
    } else {
      failed += 1;
    }
  }
  if (skipped.length > 0) {
    yield `\nDid not run (${skipped.length}):\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`;
  }
  yield `\n${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}\n`;
}
