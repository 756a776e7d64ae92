import { Migration } from '@mikro-orm/migrations';

/** Store table (store module). */
export class Migration20261122040105_store extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `store` (`id` int unsigned not null auto_increment primary key, `name` varchar(64) not null, `city` varchar(32) not null, `address` varchar(200) not null, `latitude` numeric(9,6) not null, `longitude` numeric(9,6) not null, `phone` varchar(20) not null, `open_time` varchar(5) not null, `close_time` varchar(5) not null, `status` enum('OPEN','CLOSED') not null default 'OPEN', `version` int not null default 1, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `store` add index `store_city_id_index` (`city`, `id`)");
    this.addSql("alter table `store` add index `store_status_city_index` (`status`, `city`)");
    this.addSql("alter table `store` add unique `store_city_name_unique` (`city`, `name`)");
  }

  override async down(): Promise<void> {
    this.addSql("drop table if exists `store`");
  }
}
