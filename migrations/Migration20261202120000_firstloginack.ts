import { Migration } from '@mikro-orm/migrations';

/**
 * user.first_login_at: when a login of this user first completed (session issued). Until then
 * every login answers firstLogin: true, so a first login that failed after the user row
 * committed (Redis down, the COMMIT's answer lost) is still reported as first on the retry.
 */
export class Migration20261202120000_firstloginack extends Migration {
  override async up(): Promise<void> {
    // A nullable column at the end: an instant ALTER on MariaDB and MySQL 8, whatever the table's size.
    this.addSql('alter table `user` add `first_login_at` datetime(3) null');
    // Users that exist already have logged in.
    this.addSql('update `user` set `first_login_at` = `created_at` where `first_login_at` is null');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `user` drop column `first_login_at`');
  }
}
