// `npm run bench:app`: the renderer benchmark in Chromium (build the renderer first: npm run build or npm run test:e2e).
import { launchBrowser, startApp } from './harness';
import { buildRenderer } from './build-renderer';
import { formatTimings, measureApp } from './measure';

await buildRenderer();
const browser = await launchBrowser();
const app = await startApp({ browser });
try {
  const t = await measureApp(app);
  console.log(formatTimings(t));
  console.log(JSON.stringify(t));
} finally {
  await app.close();
  await browser.close();
}
