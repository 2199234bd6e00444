// htm bound to preact: components are tagged templates, so the UI needs no JSX step.
export { html } from 'htm/preact';
