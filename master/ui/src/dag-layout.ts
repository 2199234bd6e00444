// Places a DAG of jobs for drawing: each job in the column of its longest path from a root, rows
// in input order inside a column. Pure; cycles (refused at submit) are cut rather than looped on.

export interface DagNode {
  id: string;
  dependsOn: readonly string[];
}

export interface PlacedNode {
  id: string;
  column: number;
  row: number;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: { from: string; to: string }[];
  columns: number;
  rows: number;
}

export function layoutDag(input: readonly DagNode[]): DagLayout {
  const byId = new Map(input.map((n) => [n.id, n]));
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = column.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => byId.has(d));
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    visiting.delete(id);
    column.set(id, d);
    return d;
  };
  const rowsUsed = new Map<number, number>();
  const nodes = input.map((n) => {
    const c = depth(n.id);
    const row = rowsUsed.get(c) ?? 0;
    rowsUsed.set(c, row + 1);
    return { id: n.id, column: c, row };
  });
  const edges = input.flatMap((n) => n.dependsOn.filter((d) => byId.has(d)).map((d) => ({ from: d, to: n.id })));
  return { nodes, edges, columns: Math.max(0, ...nodes.map((n) => n.column + 1)), rows: Math.max(0, ...rowsUsed.values()) };
}
