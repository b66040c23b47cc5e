export const CATEGORIES = ["transactional", "security", "marketing"] as const;
export type Category = (typeof CATEGORIES)[number];

/** Critical categories reach the user even through opt-outs and quiet hours (never without an address). */
const CRITICAL_CATEGORIES: ReadonlySet<Category> = new Set(["security"]);

export function isCritical(category: Category): boolean {
  return CRITICAL_CATEGORIES.has(category);
}
