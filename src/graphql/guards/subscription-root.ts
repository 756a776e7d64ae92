import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The first @skip/@include found on a subscription's root selections (through its fragments),
 * or undefined. The spec forbids them there (graphql-js 17's SingleFieldSubscriptionsRule);
 * graphql-js 16 validates without them and then, when they remove the only root field,
 * `subscribe()` throws a TypeError outside its error handling, which graphql-ws turns into a
 * 4500 close of the whole socket instead of an error for that operation.
 */
export function subscriptionRootDirective(document: DocumentNode, operation: OperationDefinitionNode): string | undefined {
  if (operation.operation !== 'subscription') return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): string | undefined => {
    for (const selection of set.selections) {
      const directive = selection.directives?.find((d) => d.name.value === 'skip' || d.name.value === 'include');
      if (directive) return directive.name.value;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const found = walk(selection.selectionSet);
        if (found) return found;
      } else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const found = fragment && walk(fragment.selectionSet);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(operation.selectionSet);
}
