// UMA on a 2020 kernel (13.0-CURRENT layouts, the PR 248008 fixture): show
// uma in that kernel's columns, ::uma_keg with the reserve and 2020's flag
// names, ::uma_zone's counts, all read from what the dump's types declare.
import { describe, expect, it } from 'vitest';
import { TableBuilder } from '../../../../src/dump/builder.js';
import type { Table } from '../../../../src/dump/format.js';
import { umaEra } from '../../../../src/mdb/modules/freebsd/uma/helpers.js';
import { freebsdSession } from './fixture.js';
import { FN, KEG, freebsd2020Dump, freebsd2020Session, out } from './fixture2020.js';

describe('UMA, 2020 layouts', () => {
  it('tells the eras apart by the keg layout', () => {
    expect(umaEra(freebsd2020Session().target)).toBe(2020);
    expect(umaEra(freebsdSession().target)).toBe(2004);
  });

  it("show uma prints the 2020 columns, largest total memory first; Free is get_uma_stats()'s; then each keg reserve against the keg's free items", async () => {
    // mbuf: 5 in CPU 1's alloc bucket + 10 in the domain's bucket cache + 40 free in the keg
    expect(await out(freebsd2020Session('ddb'), 'show uma')).toBe(
      [
        '              Zone   Size    Used    Free    Requests  Sleeps  Bucket  Total Mem    XFree',
        '              mbuf    256     520      55        9020       3      16     147200        0',
        '         vmem btag     28    4787       3        5000       0       0     134120        0',
        '',
        'Reserves (uk_reserve: items only M_USE_RESERVE allocations may take):',
        '              Zone  Reserve  Keg free',
        '         vmem btag       32         3',
        '',
      ].join('\n'),
    );
  });

  it('show uma/i prints CSV with quoted zone names', async () => {
    expect(await out(freebsd2020Session('ddb'), 'show uma/i')).toBe(
      ['Zone,Size,Used,Free,Requests,Sleeps,Bucket,Total Mem,XFree', '"mbuf",256,520,55,9020,3,16,147200,0', '"vmem btag",28,4787,3,5000,0,0,134120,0', ''].join('\n'),
    );
  });

  it('::uma_keg -n keeps the kegs whose name contains the text, in both eras, as ::uma_zone -n does', async () => {
    const hdr = 'ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF';
    expect(await out(freebsd2020Session('mdb'), '::uma_keg -n btag')).toBe(
      [hdr, 'c1e00000 vmem btag             28    28   145     1      35       3      32 VM                   vmem_bt_alloc', ''].join('\n'),
    );
    expect(await out(freebsd2020Session('mdb'), '::uma_keg -n nothing')).toBe(hdr + '\n');
    const k2004 = await out(freebsdSession(true, 'mdb'), '::uma_keg -n Clust');
    expect(k2004.split('\n').slice(1)).toEqual([expect.stringMatching(/^c1000100 MbufClust /), '']);
  });

  it('::help uma_keg describes and shows the layout of the dump\'s era', async () => {
    const h2020 = await out(freebsd2020Session('mdb'), '::help uma_keg');
    expect(h2020).toContain('[ addr ] ::uma_keg [-n name]');
    expect(h2020).toContain('PAGES    FREE RESERVE FLAGS');
    expect(h2020).not.toMatch(/RECURSE FLAGS|SLABZONE +ALLOCF/);
    const h2004 = await out(freebsdSession(true, 'mdb'), '::help uma_keg');
    expect(h2004).toContain('PAGES   FREE RECURSE FLAGS                SLABZONE       ALLOCF');
    expect(h2004).not.toContain('PAGES    FREE RESERVE FLAGS');
    // show uma (::uma) likewise: the 2020 page shows Sleeps, Bucket, Total Mem and XFree
    expect(await out(freebsd2020Session('mdb'), '::help uma')).toContain('Requests  Sleeps  Bucket  Total Mem    XFree');
    expect(await out(freebsdSession(true, 'mdb'), '::help uma')).not.toContain('Total Mem    XFree');
  });

  it('::uma_keg shows pages and free items summed over domains, the reserve, flags and allocf by name', async () => {
    expect(await out(freebsd2020Session('mdb'), '::uma_keg')).toBe(
      [
        'ADDR     NAME                SIZE RSIZE IPERS PPERA   PAGES    FREE RESERVE FLAGS                ALLOCF',
        'c1e00000 vmem btag             28    28   145     1      35       3      32 VM                   vmem_bt_alloc',
        'c1e00200 mbuf                 256   256    15     1     100      40       0 0                    page_alloc',
        '',
      ].join('\n'),
    );
  });

  it('decodes NOFREE and the 2020 internal flags, and sums free items over two domains', async () => {
    const base = freebsd2020Dump();
    const kegs = new TableBuilder('struct uma_keg', {
      addr: 'u64', uk_name: 'u64', uk_size: 'u32', uk_rsize: 'u32', uk_ipers: 'u16', uk_ppera: 'u16', uk_flags: 'u32', uk_reserve: 'u32', uk_allocf: 'u64',
      'uk_domain[0].ud_free_items': 'u32', 'uk_domain[1].ud_free_items': 'u32', 'uk_domain[0].ud_pages': 'u32', 'uk_domain[1].ud_pages': 'u32',
    });
    kegs.add({ addr: KEG.btag, uk_name: 0xc0b00100n, uk_size: 28, uk_rsize: 28, uk_ipers: 145, uk_ppera: 1, uk_flags: 0x80 | 0x20 | 0x20000000 | 0x00200000, uk_reserve: 64, uk_allocf: FN['vmem_bt_alloc']!, 'uk_domain[0].ud_free_items': 40, 'uk_domain[1].ud_free_items': 30, 'uk_domain[0].ud_pages': 1, 'uk_domain[1].ud_pages': 2 });
    const { freebsdTypeDefs } = await import('../../../../src/dump/types/freebsd/index.js');
    const tables: Table[] = base.tables.filter((t) => t.name !== 'struct uma_keg' && t.name !== 'struct uma_zone');
    tables.push(kegs.build());
    const s = freebsd2020Session('mdb', { ...base, types: freebsdTypeDefs(4, 4, 2020, 2), tables });
    expect((await out(s, 'c1e00000::uma_keg')).split('\n')[1]).toBe('c1e00000 vmem btag             28    28   145     1       3      70      64 NOFREE|VM|OFFPAGE|INTERNAL vmem_bt_alloc');
  });

  it('::uma_zone prints the same counts with each zone, failures included', async () => {
    expect(await out(freebsd2020Session('mdb'), '::uma_zone')).toBe(
      [
        'ADDR     NAME                 SIZE     USED     FREE   REQUESTS  FAILS',
        'c1e01000 vmem btag              28     4787        3       5000     12',
        'c1e01400 mbuf                  256      520       55       9020      0',
        '',
      ].join('\n'),
    );
  });

  it("walks a 2020 zone's buckets (per-CPU cache buckets, then each domain's bucket cache)", async () => {
    expect((await out(freebsd2020Session('mdb'), 'c1e01400::walk uma_bucket')).trim().split('\n')).toEqual(['0xc1e02100', '0xc1e02000']);
  });
});
