import {
  getNamedType,
  isLeafType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The cost model. A root field runs a resolver that reaches MySQL, Redis, the broker or WeChat
 * (every root field of this schema does), so it costs `DATA_STORE_FIELD_COST`; nested objects
 * and lists are built in memory from what the root resolver loaded (1 each); scalars are free.
 * A paginated field (`first`) multiplies what is under it by the page size asked for.
 */
export const DATA_STORE_FIELD_COST = 10;
export const OBJECT_FIELD_COST = 1;
/** Introspection answers from the in-memory schema; it is bounded by the other limits. */
export const INTROSPECTION_FIELD_COST = 10;
const SATURATED = 1e15;

/**
 * Cost of one operation, linear in the document: each fragment is priced once per call and
 * reused at every spread (a fragment's type condition fixes its parent type).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const roots = new Set<GraphQLNamedType | null | undefined>([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  const memo = new Map<string, number>();

  const pageSize = (field: GraphQLField<unknown, unknown>, node: { arguments?: readonly { name: { value: string }; value: import('graphql').ValueNode }[] }): number => {
    const def = field.args.find((a) => a.name === 'first');
    if (!def) return 1;
    const given = node.arguments?.find((a) => a.name.value === 'first');
    const value = given ? valueFromAST(given.value, def.type, variables) : def.defaultValue;
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 1;
  };

  const setCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        if (name.startsWith('__')) {
          total += INTROSPECTION_FIELD_COST;
          continue;
        }
        const field = parent && 'getFields' in parent ? (parent as GraphQLObjectType).getFields()[name] : undefined;
        if (!field) continue;
        const type = getNamedType(field.type);
        const own = roots.has(parent) ? DATA_STORE_FIELD_COST : isLeafType(type) ? 0 : OBJECT_FIELD_COST;
        const children = selection.selectionSet ? setCost(selection.selectionSet, type) : 0;
        total += own + pageSize(field, selection) * children;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += setCost(selection.selectionSet, type ?? undefined);
      } else {
        const name = selection.name.value;
        let cost = memo.get(name);
        if (cost === undefined) {
          const def = fragments.get(name);
          cost = def ? setCost(def.selectionSet, schema.getType(def.typeCondition.name.value) ?? undefined) : 0;
          memo.set(name, cost);
        }
        total += cost;
      }
      if (total > SATURATED) return SATURATED;
    }
    return total;
  };

  const rootType = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return setCost(operation.selectionSet, rootType ?? undefined);
}
