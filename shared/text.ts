// English text shared by the pipeline, the report and the CLI: the one way to write a count
// with its noun in the right number.

/** A count and its noun, singular for one: counted(1, "cell") = "1 cell", counted(2, "twin pair") = "2 twin pairs". */
export function counted(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
