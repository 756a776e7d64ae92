import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What an operation expands to, computed without expanding it: every fragment is measured once
 * and its numbers reused at each spread (memoised), so a chain of fragments that each spread the
 * next twice costs one visit per node instead of 2^n. Numbers saturate at `SATURATED` so an
 * exponential expansion stays a finite number to compare with a limit.
 */
export interface OperationShape {
  /** Field selections once every fragment is expanded (`__typename` included). */
  fields: number;
  aliases: number;
  directives: number;
  /** Nesting of fields, root fields at 0; introspection fields (`__…`) count as leaves. */
  depth: number;
  /** Root fields of the operation (after expansion); for mutations, what the request asks to change. */
  rootFields: Map<string, number>;
}

export type ShapeResult = { ok: true; operations: Map<OperationDefinitionNode, OperationShape> } | { ok: false; cycle: string[] };

const SATURATED = 1e15;
const add = (a: number, b: number) => Math.min(SATURATED, a + b);

interface SetShape {
  fields: number;
  aliases: number;
  directives: number;
  depth: number;
  root: Map<string, number>;
}

class FragmentCycle extends Error {
  constructor(readonly path: string[]) {
    super(`fragment cycle: ${path.join(' → ')}`);
  }
}

/** Linear in the document: each selection set is visited once, each fragment measured once. */
export function measureDocument(document: DocumentNode): ShapeResult {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(def.name.value)) fragments.set(def.name.value, def);
  }
  const memo = new Map<string, SetShape>();
  const visiting: string[] = [];
  const onStack = new Set<string>();

  const fragmentShape = (name: string): SetShape | undefined => {
    const known = memo.get(name);
    if (known) return known;
    const def = fragments.get(name);
    // An unknown fragment is a validation error, reported by graphql-js afterwards.
    if (!def) return undefined;
    if (onStack.has(name)) throw new FragmentCycle([...visiting.slice(visiting.indexOf(name)), name]);
    onStack.add(name);
    visiting.push(name);
    const shape = setShape(def.selectionSet);
    shape.directives = add(shape.directives, def.directives?.length ?? 0);
    visiting.pop();
    onStack.delete(name);
    memo.set(name, shape);
    return shape;
  };

  const setShape = (set: SelectionSetNode): SetShape => {
    const shape: SetShape = { fields: 0, aliases: 0, directives: 0, depth: 0, root: new Map() };
    const mergeRoot = (name: string, n: number) => shape.root.set(name, add(shape.root.get(name) ?? 0, n));
    for (const selection of set.selections) {
      shape.directives = add(shape.directives, selection.directives?.length ?? 0);
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        shape.fields = add(shape.fields, 1);
        if (selection.alias) shape.aliases = add(shape.aliases, 1);
        mergeRoot(name, 1);
        if (selection.selectionSet && !name.startsWith('__')) {
          const child = setShape(selection.selectionSet);
          shape.fields = add(shape.fields, child.fields);
          shape.aliases = add(shape.aliases, child.aliases);
          shape.directives = add(shape.directives, child.directives);
          shape.depth = Math.max(shape.depth, 1 + child.depth);
        } else if (selection.selectionSet) {
          // Introspection: no depth (as graphql-depth-limit did), but its size still counts.
          const child = setShape(selection.selectionSet);
          shape.fields = add(shape.fields, child.fields);
          shape.aliases = add(shape.aliases, child.aliases);
          shape.directives = add(shape.directives, child.directives);
        }
        continue;
      }
      const child = selection.kind === Kind.INLINE_FRAGMENT ? setShape(selection.selectionSet) : fragmentShape(selection.name.value);
      if (!child) continue;
      shape.fields = add(shape.fields, child.fields);
      shape.aliases = add(shape.aliases, child.aliases);
      shape.directives = add(shape.directives, child.directives);
      shape.depth = Math.max(shape.depth, child.depth);
      for (const [name, n] of child.root) mergeRoot(name, n);
    }
    return shape;
  };

  try {
    // Every fragment, used or not, so a cycle is refused before graphql-js validation walks it.
    for (const name of fragments.keys()) fragmentShape(name);
    const operations = new Map<OperationDefinitionNode, OperationShape>();
    for (const def of document.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      const s = setShape(def.selectionSet);
      operations.set(def, { fields: s.fields, aliases: s.aliases, directives: add(s.directives, def.directives?.length ?? 0), depth: s.depth, rootFields: s.root });
    }
    return { ok: true, operations };
  } catch (err) {
    if (err instanceof FragmentCycle) return { ok: false, cycle: err.path };
    throw err;
  }
}

/**
 * Deepest `{` nesting of a document's text, skipping strings and comments: a cheap scan run
 * before parsing, so a document nested thousands deep never reaches the recursive parser.
 */
export function braceNesting(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        // Escaped \""" inside a block string: skip past each one.
        let j = end;
        while (j > 0 && text.charCodeAt(j - 1) === 0x5c) j = text.indexOf('"""', j + 3);
        if (j < 0) return max;
        i = j + 2;
      } else {
        for (i++; i < text.length; i++) {
          const s = text.charCodeAt(i);
          if (s === 0x5c) i++;
          else if (s === 0x22 || s === 0x0a) break;
        }
      }
    } else if (c === 0x7b /* { */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}
