/** WeChat Pay's RFC 3339 times; undefined when absent or unreadable. */
export function parseTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
