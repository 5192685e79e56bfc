/**
 * Text that reaches a terminal may come from Atlas (error details, usernames), from argv or from files. A
 * control character in it could recolour or retitle the terminal, clear the screen, or start a forged line
 * ("export X=…") after a newline. Every such character is shown as a visible escape instead, so a message
 * stays one line that says exactly what it holds.
 */
// C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a line appears to say.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
