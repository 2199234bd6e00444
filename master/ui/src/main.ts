// The UI's entry point: reads the framework links, opens the state stream, mounts the app.
import { render } from 'preact';
import { html } from './html.js';
import { App, type Links } from './app.js';
import { LiveState } from './live-state.js';
import { streamUrl } from './stream-frames.js';

async function main(): Promise<void> {
  const links = await fetch('/ui/links.json').then((r) => r.json() as Promise<{ frameworks: Links }>).then((b) => b.frameworks, () => ({}));
  const live = new LiveState({ url: (position) => streamUrl(location.origin, position) });
  live.start();
  // For operators in the browser console (berth.live.state) and for the browser test.
  Object.assign(window, { berth: { live } });
  render(html`<${App} live=${live} links=${links} />`, document.getElementById('app')!);
}

void main();
