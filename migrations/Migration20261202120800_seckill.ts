import { Migration } from '@mikro-orm/migrations';

/** Flash sales: seckill_activity (stock set aside, counters) and seckill_order (one row per admitted attempt that reached MySQL). */
export class Migration20261202120800_seckill extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `seckill_activity` (`id` int unsigned not null auto_increment primary key, `sku_id` int not null, `product_id` int not null, `store_id` int not null, `stock` int not null, `price_fen` int not null, `starts_at` datetime(3) not null, `ends_at` datetime(3) not null, `limit_per_user` int not null default 1, `available` int not null, `ordered` int not null default 0, `returned` int not null default 0, `failed` int not null default 0, `status` enum('ACTIVE','SETTLED') not null default 'ACTIVE', `settled_at` datetime(3) null, `released_to_sku` int not null default 0, `reconciled_at` datetime(3) null, `reconcile_report` text null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `seckill_activity` add index `seckill_activity_status_ends_at_index` (`status`, `ends_at`)");
    this.addSql("create table `seckill_order` (`id` int unsigned not null auto_increment primary key, `attempt_id` varchar(40) not null, `activity_id` int not null, `user_id` int not null, `order_no` varchar(32) null, `status` enum('ORDERED','RETURNED','SOLD_OUT') not null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `seckill_order` add unique `seckill_order_attempt_id_unique` (`attempt_id`)");
    this.addSql("alter table `seckill_order` add unique `seckill_order_order_no_unique` (`order_no`)");
    this.addSql("alter table `seckill_order` add index `seckill_order_activity_id_user_id_index` (`activity_id`, `user_id`)");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `seckill_order`');
    this.addSql('drop table if exists `seckill_activity`');
  }
}
