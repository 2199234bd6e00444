// Resource bars (CSS widths from resource-math's segments) and the link helper every view uses.
import { html } from './html.js';
import { formatAmount, SCALAR_LABEL, segments, type Scalar } from './resource-math.js';
import type { Res } from './types.js';

const pct = (f: number): string => `${(f * 100).toFixed(1)}%`;

/** One bar: used (dark), offered (light), free (empty), with the numbers in its title. */
export function Bar({ scalar, total, used, offered = 0 }: { scalar: Scalar; total: number; used: number; offered?: number }) {
  const s = segments(total, used, offered);
  const title = `${SCALAR_LABEL[scalar]}: ${formatAmount(scalar, s.used)} used, ${formatAmount(scalar, s.offered)} offered, ${formatAmount(scalar, s.free)} free of ${formatAmount(scalar, s.total)}`;
  return html`<div class="bar-row" title=${title}>
    <span class="bar-label">${SCALAR_LABEL[scalar]}</span>
    <span class="bar" role="img" aria-label=${title}>
      <span class="seg used" style=${{ width: pct(s.usedFrac) }}></span>
      <span class="seg offered" style=${{ width: pct(s.offeredFrac) }}></span>
    </span>
    <span class="bar-text">${formatAmount(scalar, s.used)} / ${formatAmount(scalar, s.total)}</span>
  </div>`;
}

/** Bars for cpus, memory and disk (and GPUs when there are any). */
export function ResourceBars({ total, used, offered }: { total: Res; used: Res; offered?: Res | undefined }) {
  const scalars: Scalar[] = total.gpus > 0 ? ['cpus', 'memMb', 'diskMb', 'gpus'] : ['cpus', 'memMb', 'diskMb'];
  return html`<div class="bars">${scalars.map((s) => html`<${Bar} key=${s} scalar=${s} total=${total[s]} used=${used[s]} offered=${offered?.[s] ?? 0} />`)}</div>`;
}

/** A link handled by the client-side router (no page load). */
export function Link({ href, children, class: cls }: { href: string; children?: unknown; class?: string }) {
  const go = (e: MouseEvent): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} class=${cls} onClick=${go}>${children}</a>`;
}

export function navigate(href: string): void {
  history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function ago(ms: number): string {
  if (!ms) return '';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h ago`;
  return new Date(ms).toLocaleString();
}
