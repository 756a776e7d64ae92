import { Migration } from '@mikro-orm/migrations';

export class Migration20261122034308_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `admin_user` (`id` int unsigned not null auto_increment primary key, `username` varchar(64) not null, `password_hash` varchar(255) not null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `admin_user` add unique `admin_user_username_unique` (`username`)");
    this.addSql("create table `coupon` (`id` int unsigned not null auto_increment primary key, `code` varchar(64) not null, `name` varchar(128) not null, `discount_fen` int not null, `threshold_fen` int not null default 0, `valid_days` int not null, `active` tinyint(1) not null default true, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `coupon` add unique `coupon_code_unique` (`code`)");
    this.addSql("create table `outbox_message` (`id` int unsigned not null auto_increment primary key, `topic` varchar(127) not null, `tag` varchar(64) null, `message_key` varchar(128) not null, `message_group` varchar(64) null, `deliver_at` datetime(3) null, `body` text not null, `attempts` int not null default 0, `created_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `outbox_message` add index `outbox_message_created_at_index` (`created_at`)");
    this.addSql("alter table `outbox_message` add index `outbox_message_message_group_index` (`message_group`)");
    this.addSql("create table `user` (`id` int unsigned not null auto_increment primary key, `openid` varchar(64) not null, `unionid` varchar(64) null, `nickname` varchar(64) null, `points` int not null default 0, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `user` add unique `user_openid_unique` (`openid`)");
    this.addSql("create table `user_coupon` (`id` int unsigned not null auto_increment primary key, `user_id` int not null, `coupon_id` int not null, `status` enum('AVAILABLE','USED','EXPIRED') not null default 'AVAILABLE', `source` varchar(32) not null, `used_order_no` varchar(32) null, `valid_from` datetime(3) not null, `valid_until` datetime(3) not null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `user_coupon` add index `user_coupon_user_id_status_index` (`user_id`, `status`)");
    this.addSql("alter table `user_coupon` add unique `user_coupon_user_id_coupon_id_unique` (`user_id`, `coupon_id`)");
  }

  override async down(): Promise<void> {

  }
}
