import type { StoreStatus } from './store.entity.js';

/** One demo store (local mode only). */
export interface DemoStore {
  name: string;
  city: string;
  address: string;
  latitude: number;
  longitude: number;
  phone: string;
  openTime: string;
  closeTime: string;
  status: StoreStatus;
}

type Spot = [district: string, address: string, latitude: number, longitude: number];

/** Real neighbourhoods with their approximate coordinates (WGS-84). */
const CITIES: { city: string; areaCode: string; spots: Spot[] }[] = [
  {
    city: 'Shanghai',
    areaCode: '021',
    spots: [
      ["People's Square", '123 Nanjing Road West, Huangpu', 31.2304, 121.4737],
      ['Lujiazui', '8 Century Avenue, Pudong', 31.2397, 121.4998],
      ['Xujiahui', '1111 Zhaojiabang Road, Xuhui', 31.1955, 121.4365],
      ["Jing'an Temple", '1618 Nanjing Road West, Jing\'an', 31.2235, 121.446],
      ['Wujiaochang', '2 Songhu Road, Yangpu', 31.301, 121.514],
      ['Zhongshan Park', '1018 Changning Road, Changning', 31.2235, 121.417],
      ['Hongqiao', '3 Shenhong Road, Minhang', 31.194, 121.32],
      ['Xintiandi', '181 Taicang Road, Huangpu', 31.2195, 121.475],
      ['North Bund', '88 Dongdaming Road, Hongkou', 31.252, 121.495],
      ['Century Park', '1001 Jinxiu Road, Pudong', 31.2165, 121.551],
      ['Qibao', '2 Qibao Old Street, Minhang', 31.155, 121.35],
    ],
  },
  {
    city: 'Beijing',
    areaCode: '010',
    spots: [
      ['Wangfujing', '138 Wangfujing Street, Dongcheng', 39.9149, 116.4109],
      ['Sanlitun', '19 Sanlitun Road, Chaoyang', 39.9339, 116.4551],
      ['Guomao', '1 Jianguomenwai Avenue, Chaoyang', 39.9087, 116.4605],
      ['Zhongguancun', '27 Zhongguancun Street, Haidian', 39.9834, 116.3162],
      ['Xidan', '132 Xidan North Street, Xicheng', 39.9075, 116.374],
      ['Wudaokou', '1 Chengfu Road, Haidian', 39.9925, 116.338],
      ['Financial Street', '9 Financial Street, Xicheng', 39.9155, 116.36],
      ['Wangjing', '6 Futong East Avenue, Chaoyang', 39.996, 116.481],
      ['Qianmen', '18 Qianmen Street, Dongcheng', 39.899, 116.398],
      ['Dongzhimen', '1 Dongzhimen South Street, Dongcheng', 39.941, 116.434],
      ['Olympic Park', '1 Beichen East Road, Chaoyang', 40.001, 116.391],
    ],
  },
  {
    city: 'Hangzhou',
    areaCode: '0571',
    spots: [
      ['Hubin', '100 Pinghai Road, Shangcheng', 30.259, 120.164],
      ['Wulin Square', '1 Wulin Square, Gongshu', 30.275, 120.165],
      ['Qianjiang New City', '168 Fuchun Road, Shangcheng', 30.245, 120.211],
      ['Binjiang', '1 Jianghui Road, Binjiang', 30.208, 120.211],
      ['Xixi', '551 Wuchang Road, Xihu', 30.274, 120.079],
      ['Huanglong', '1 Huanglong Road, Xihu', 30.272, 120.139],
      ['Xiaoshan', '288 Shixin Road, Xiaoshan', 30.164, 120.264],
      ['Gongshu', '2 Hushu South Road, Gongshu', 30.319, 120.142],
      ['Hefang Street', '83 Hefang Street, Shangcheng', 30.242, 120.169],
      ['Future Sci-Tech City', '1 Wenyi West Road, Yuhang', 30.29, 120.0],
      ['Xiasha', '2 Xuezheng Street, Qiantang', 30.31, 120.34],
    ],
  },
  {
    city: 'Shenzhen',
    areaCode: '0755',
    spots: [
      ['Futian CBD', '5023 Yitian Road, Futian', 22.5431, 114.0579],
      ['Nanshan Science Park', '10 Keji South Road, Nanshan', 22.54, 113.953],
      ['Dongmen', '2 Dongmen Middle Road, Luohu', 22.546, 114.117],
      ['Shekou', '6 Wanghai Road, Nanshan', 22.486, 113.918],
      ['Coastal City', '33 Wenxin 5th Road, Nanshan', 22.517, 113.936],
      ['Huaqiangbei', '1015 Huaqiang North Road, Futian', 22.546, 114.088],
      ['Longgang Center', '8 Longxiang Avenue, Longgang', 22.72, 114.247],
      ["Bao'an Center", '99 Xin\'an 4th Road, Bao\'an', 22.553, 113.883],
      ['OCT', '9 Shennan Avenue, Nanshan', 22.537, 113.983],
      ['Longhua', '1 Minzhi Avenue, Longhua', 22.657, 114.029],
      ['Qianhai', '1 Qianwan 1st Road, Qianhai', 22.519, 113.899],
    ],
  },
  {
    city: 'Guangzhou',
    areaCode: '020',
    spots: [
      ['Tianhe Sports Center', '228 Tianhe Road, Tianhe', 23.138, 113.325],
      ['Zhujiang New Town', '5 Zhujiang East Road, Tianhe', 23.119, 113.321],
      ['Beijing Road', '216 Beijing Road, Yuexiu', 23.125, 113.269],
      ['Shangxiajiu', '1 Shangxiajiu Road, Liwan', 23.116, 113.245],
      ['Pazhou', '382 Yuejiang Middle Road, Haizhu', 23.1, 113.365],
      ['Huanshi East', '369 Huanshi East Road, Yuexiu', 23.137, 113.286],
      ['Panyu Wanbo', '1 Hanxi Avenue, Panyu', 23.006, 113.346],
      ['Baiyun', '1 Yuncheng East Road, Baiyun', 23.17, 113.267],
      ['Kecun', '6 Xingang East Road, Haizhu', 23.095, 113.322],
      ['Science City', '8 Kexue Avenue, Huangpu', 23.165, 113.445],
      ['Yongqingfang', '99 Enning Road, Liwan', 23.117, 113.244],
    ],
  },
  {
    city: 'Chengdu',
    areaCode: '028',
    spots: [
      ['Chunxi Road', '8 Chunxi Road, Jinjiang', 30.657, 104.08],
      ['Taikoo Li', '8 Zhongshamao Street, Jinjiang', 30.654, 104.083],
      ['Tianfu Square', '1 Renmin South Road, Qingyang', 30.657, 104.066],
      ['Kuanzhai Alley', '2 Zhai Alley, Qingyang', 30.67, 104.054],
      ['Jinli', '231 Wuhouci Street, Wuhou', 30.646, 104.047],
      ['Financial City', '1 Jiaozi Avenue, High-tech Zone', 30.587, 104.064],
      ['Software Park', '1 Tianfu Avenue, High-tech Zone', 30.55, 104.07],
      ['Jiuyanqiao', '3 Binjiang East Road, Jinjiang', 30.644, 104.093],
      ['Wuhou Temple', '231 Wuhouci Street, Wuhou', 30.6465, 104.0485],
      ['Shuangliu', '1 Airport Road, Shuangliu', 30.579, 103.95],
      ['Jianshe Road', '55 Jianshe Road, Chenghua', 30.673, 104.104],
    ],
  },
];

/** Hour patterns cycled over the demo stores: most daytime, some 24 h, some past midnight. */
const HOURS: [open: string, close: string][] = [
  ['07:00', '22:00'],
  ['08:00', '21:30'],
  ['00:00', '24:00'],
  ['10:00', '02:00'],
  ['07:30', '20:00'],
];

/** 66 demo stores, 11 in each of six cities; every 13th one is CLOSED. Deterministic. */
export const DEMO_STORES: DemoStore[] = CITIES.flatMap(({ city, areaCode, spots }, c) =>
  spots.map(([district, address, latitude, longitude], i): DemoStore => {
    const n = c * spots.length + i;
    const [openTime, closeTime] = HOURS[n % HOURS.length]!;
    return {
      name: `Wxshop Coffee ${district}`,
      city,
      address,
      latitude,
      longitude,
      phone: `${areaCode}-${String(60_000_000 + n * 1_013).slice(0, 8)}`,
      openTime,
      closeTime,
      status: n % 13 === 12 ? 'CLOSED' : 'OPEN',
    };
  }),
);
