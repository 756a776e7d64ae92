import { Migration } from '@mikro-orm/migrations';

/** Catalog (product, sku) and order (orders, order_item) tables. */
export class Migration20261122035544_catalogorder extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `orders` (`id` int unsigned not null auto_increment primary key, `order_no` varchar(32) not null, `user_id` int not null, `store_id` int not null, `status` enum('PENDING_PAYMENT','PAID','SHIPPED','COMPLETED','CANCELLED','REFUNDING','REFUNDED') not null, `total_fen` int not null, `discount_fen` int not null default 0, `payable_fen` int not null, `coupon_id` int null, `user_coupon_id` int null, `remark` varchar(200) null, `client_request_id` varchar(64) not null, `version` int not null default 1, `expires_at` datetime(3) not null, `paid_at` datetime(3) null, `shipped_at` datetime(3) null, `completed_at` datetime(3) null, `cancelled_at` datetime(3) null, `cancel_reason` varchar(32) null, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `orders` add unique `orders_order_no_unique` (`order_no`)");
    this.addSql("alter table `orders` add index `orders_status_expires_at_index` (`status`, `expires_at`)");
    this.addSql("alter table `orders` add index `orders_user_id_id_index` (`user_id`, `id`)");
    this.addSql("alter table `orders` add unique `orders_user_id_client_request_id_unique` (`user_id`, `client_request_id`)");
    this.addSql("create table `order_item` (`id` int unsigned not null auto_increment primary key, `order_id` int not null, `order_no` varchar(32) not null, `sku_id` int not null, `product_id` int not null, `product_name` varchar(128) not null, `sku_name` varchar(128) not null, `unit_price_fen` int not null, `quantity` int not null, `subtotal_fen` int not null, `created_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `order_item` add index `order_item_order_id_index` (`order_id`)");
    this.addSql("create table `product` (`id` int unsigned not null auto_increment primary key, `store_id` int not null, `name` varchar(128) not null, `status` enum('ON_SALE','OFF_SALE') not null default 'ON_SALE', `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `product` add unique `product_store_id_name_unique` (`store_id`, `name`)");
    this.addSql("create table `sku` (`id` int unsigned not null auto_increment primary key, `product_id` int not null, `name` varchar(128) not null, `price_fen` int not null, `stock` int not null, `reserved` int not null default 0, `sold` int not null default 0, `version` int not null default 1, `created_at` datetime(3) not null, `updated_at` datetime(3) not null) default character set utf8mb4 engine = InnoDB");
    this.addSql("alter table `sku` add unique `sku_product_id_name_unique` (`product_id`, `name`)");
  }

  override async down(): Promise<void> {
    this.addSql("drop table if exists `order_item`");
    this.addSql("drop table if exists `orders`");
    this.addSql("drop table if exists `sku`");
    this.addSql("drop table if exists `product`");
  }
}
