import { Migration } from '@mikro-orm/migrations';

/** Payment, points, shipping and refund tables (their modules own them). */
export class Migration20261122040351_payment extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `payment` (`id` int unsigned not null auto_increment primary key, `transaction_id` varchar(32) not null, `order_no` varchar(32) not null, `user_id` int not null, `amount_fen` int not null, `outcome` enum('APPLIED','UNAPPLIED') not null, `source` varchar(16) not null, `attempt_id` varchar(36) null, `success_time` datetime(3) null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `payment` add unique `payment_transaction_id_unique` (`transaction_id`)");
    this.addSql("alter table `payment` add index `payment_order_no_index` (`order_no`)");
    this.addSql("create table `payment_sms` (`id` int unsigned not null auto_increment primary key, `order_no` varchar(32) not null, `message_id` varchar(64) null, `created_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `payment_sms` add unique `payment_sms_order_no_unique` (`order_no`)");
    this.addSql("create table `points_ledger` (`id` int unsigned not null auto_increment primary key, `user_id` int not null, `order_no` varchar(32) not null, `reason` enum('PAID','REFUNDED') not null, `delta` int not null, `created_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `points_ledger` add index `points_ledger_user_id_id_index` (`user_id`, `id`)");
    this.addSql("alter table `points_ledger` add unique `points_ledger_order_no_reason_unique` (`order_no`, `reason`)");
    this.addSql("create table `refund` (`id` int unsigned not null auto_increment primary key, `refund_no` varchar(64) not null, `order_no` varchar(32) not null, `user_id` int not null, `transaction_id` varchar(32) not null, `amount_fen` int not null, `total_fen` int not null, `reason` varchar(200) not null, `source` enum('USER','LATE_PAYMENT') not null, `status` enum('PROCESSING','SUCCESS','FAILED') not null, `wx_refund_id` varchar(64) null, `succeeded_at` datetime(3) null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `refund` add unique `refund_refund_no_unique` (`refund_no`)");
    this.addSql("alter table `refund` add unique `refund_transaction_id_unique` (`transaction_id`)");
    this.addSql("alter table `refund` add index `refund_order_no_index` (`order_no`)");
    this.addSql("alter table `refund` add index `refund_status_updated_at_index` (`status`, `updated_at`)");
    this.addSql("create table `shipment` (`id` int unsigned not null auto_increment primary key, `order_no` varchar(32) not null, `waybill_no` varchar(64) not null, `carrier` varchar(32) not null, `created_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `shipment` add unique `shipment_order_no_unique` (`order_no`)");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `shipment`');
    this.addSql('drop table if exists `refund`');
    this.addSql('drop table if exists `points_ledger`');
    this.addSql('drop table if exists `payment_sms`');
    this.addSql('drop table if exists `payment`');
  }
}
