import { Migration } from '@mikro-orm/migrations';

export class Migration20261122035605_statusstream extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `analytics_order_fact` (`id` int unsigned not null auto_increment primary key, `order_no` varchar(32) not null, `seq` int not null, `event` varchar(16) not null, `status` varchar(16) not null, `previous_status` varchar(16) null, `user_id` int not null, `store_id` int not null, `total_fen` int not null, `payable_fen` int not null, `reason` varchar(64) null, `occurred_at` datetime(3) not null, `recorded_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `analytics_order_fact` add index `analytics_order_fact_event_occurred_at_index` (`event`, `occurred_at`)");
    this.addSql("alter table `analytics_order_fact` add index `analytics_order_fact_occurred_at_index` (`occurred_at`)");
    this.addSql("alter table `analytics_order_fact` add unique `analytics_order_fact_order_no_seq_unique` (`order_no`, `seq`)");
    this.addSql("create table `notification_log` (`id` int unsigned not null auto_increment primary key, `order_no` varchar(32) not null, `seq` int not null, `event` varchar(16) not null, `kind` varchar(16) not null, `user_id` int not null, `template_id` varchar(64) null, `status` enum('SENDING','RETRY','SENT','REFUSED','SKIPPED','FAILED') not null, `attempts` int not null default 0, `claimed_at` datetime(3) null, `sent_at` datetime(3) null, `last_error` varchar(255) null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `notification_log` add index `notification_log_status_updated_at_index` (`status`, `updated_at`)");
    this.addSql("alter table `notification_log` add unique `notification_log_order_no_seq_unique` (`order_no`, `seq`)");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `notification_log`');
    this.addSql('drop table if exists `analytics_order_fact`');
  }
}
