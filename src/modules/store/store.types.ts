import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '../../shared/pagination.js';
import { isOpenAt, shanghaiClock, type StoreDto } from './store.model.js';
import type { StorePage } from './store.service.js';

export enum StoreStatusGql {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(StoreStatusGql, { name: 'StoreStatus', description: 'CLOSED: closed by the admin (permanently or for now), whatever the hours say.' });

@ObjectType('Store')
export class StoreType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() city!: string;
  @Field() address!: string;
  @Field(() => Float, { description: 'WGS-84 degrees.' }) latitude!: number;
  @Field(() => Float, { description: 'WGS-84 degrees.' }) longitude!: number;
  @Field() phone!: string;
  @Field({ description: 'Opening time, "HH:mm" in Asia/Shanghai.' }) openTime!: string;
  @Field({ description: 'Closing time, "HH:mm" in Asia/Shanghai ("24:00" = midnight; earlier than openTime = after midnight).' }) closeTime!: string;
  @Field(() => StoreStatusGql) status!: StoreStatusGql;
  @Field({ description: 'OPEN and within its business hours right now.' }) openNow!: boolean;
  @Field(() => Int, { description: 'Grows by one on every change.' }) version!: number;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  static from(dto: StoreDto, clock = shanghaiClock()): StoreType {
    return Object.assign(new StoreType(), {
      id: String(dto.id),
      name: dto.name,
      city: dto.city,
      address: dto.address,
      latitude: dto.latitude,
      longitude: dto.longitude,
      phone: dto.phone,
      openTime: dto.openTime,
      closeTime: dto.closeTime,
      status: dto.status as StoreStatusGql,
      openNow: isOpenAt(dto, clock),
      version: dto.version,
      createdAt: new Date(dto.createdAt),
      updatedAt: new Date(dto.updatedAt),
    });
  }
}

@ObjectType('StoreEdge')
export class StoreEdge {
  @Field() cursor!: string;
  @Field(() => StoreType) node!: StoreType;
  @Field(() => Float, { nullable: true, description: 'Great-circle distance from filter.near in metres (null without near).' }) distanceMeters!: number | null;
}

@ObjectType('StoreConnection')
export class StoreConnection {
  @Field(() => [StoreEdge]) edges!: StoreEdge[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: StorePage): StoreConnection {
    const clock = shanghaiClock();
    return Object.assign(new StoreConnection(), {
      edges: page.edges.map((e) => Object.assign(new StoreEdge(), { cursor: e.cursor, node: StoreType.from(e.node, clock), distanceMeters: e.distanceMeters })),
      pageInfo: Object.assign(new PageInfoType(), page.pageInfo),
    });
  }
}

@InputType('GeoPointInput')
export class GeoPointInput {
  @Field(() => Float) latitude!: number;
  @Field(() => Float) longitude!: number;
}

@InputType('StoreFilter')
export class StoreFilter {
  @Field({ nullable: true, description: 'Exact city name, e.g. "Shanghai".' }) city?: string;
  @Field(() => GeoPointInput, { nullable: true, description: 'Order by distance from this point (nearest first).' }) near?: GeoPointInput;
  @Field({ nullable: true, description: 'Only stores OPEN and within their hours now (Asia/Shanghai).' }) openNow?: boolean;
}

@InputType('StoreInput', { description: 'createStore needs every field but status (default OPEN); updateStore changes only the fields given.' })
export class StoreInput {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) city?: string;
  @Field({ nullable: true }) address?: string;
  @Field(() => Float, { nullable: true }) latitude?: number;
  @Field(() => Float, { nullable: true }) longitude?: number;
  @Field({ nullable: true }) phone?: string;
  @Field({ nullable: true, description: '"HH:mm", Asia/Shanghai.' }) openTime?: string;
  @Field({ nullable: true, description: '"HH:mm" or "24:00", Asia/Shanghai.' }) closeTime?: string;
  @Field(() => StoreStatusGql, { nullable: true }) status?: StoreStatusGql;
}
