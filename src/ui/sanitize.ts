// Container names, labels and process command lines are untrusted: an ESC sequence in a container name
// must not reach the terminal. Strip C0/C1 controls and whole escape sequences, and blessed's own tag
// braces, before anything is drawn.
const CSI_OSC = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_k][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~])/g;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function sanitize(text: string, maxLength = 4096): string {
  const s = text.replace(CSI_OSC, '').replace(CONTROLS, '').replace(/[\t\n]/g, ' ');
  const noTags = s.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
  return noTags.length > maxLength ? noTags.slice(0, maxLength) : noTags;
}
