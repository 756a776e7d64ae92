import { Migration } from '@mikro-orm/migrations';

/** orders.prepay_requested_at: the timeout closes orders that never asked for a prepay without querying WeChat Pay. */
export class Migration20261122115653_orderprepay extends Migration {
  override async up(): Promise<void> {
    // A nullable column at the end: an instant ALTER on MariaDB and MySQL 8, whatever the table's size.
    this.addSql('alter table `orders` add `prepay_requested_at` datetime(3) null');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `orders` drop column `prepay_requested_at`');
  }
}
