/**
 * The first-login contract (NORMAL topic `TopicUserLogin`, key = userId, tag `FIRST_LOGIN`).
 * Written to the outbox in the transaction that creates the user, so it exists exactly when the
 * user does. Consumer: coupon (`cg-coupon-new-user`: the new-user coupon), idempotent per user.
 */
export const FIRST_LOGIN_TAG = 'FIRST_LOGIN';

export interface UserFirstLoggedIn {
  userId: number;
  openid: string;
}
