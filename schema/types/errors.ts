/**
 * Expected failures are data: every typed error implements `Error { message }`, and each mutation returns a union of
 * its success type and the errors it can meet. Only bugs and malformed requests become GraphQL errors. A mutation
 * turns the domain's failure into its typed error by looking its reason up in one table (Problems); no switches.
 */
import { builder } from '../builder.js';
import { messages, type Message } from '../messages.js';

export interface Problem<Name extends string> {
  __typename: Name;
  message: Message;
}

export const problem = <Name extends string>(__typename: Name, message: Message): Problem<Name> => ({ __typename, message });

/** One operation's typed errors: for each reason of its failures `F`, the error it becomes (its __typename and words). */
export type Problems<F extends { reason: string }, Context = undefined> = {
  [R in F['reason']]: (failure: Extract<F, { reason: R }>, context: Context) => Problem<string>;
};

type Built<T> = { [K in keyof T]: T[K] extends (...args: never[]) => infer P ? P : never }[keyof T];

/** The typed error for `failure`, typed as the union of the table's errors (what the mutation's result union holds). */
export function problemFor<F extends { reason: string }, C, T extends Problems<F, C>>(table: T, failure: F, context: C): Built<T> {
  const build = table[failure.reason as F['reason']] as unknown as (failure: F, context: C) => Built<T>;
  return build(failure, context);
}

export const ErrorInterface = builder.interfaceRef<Problem<string>>('Error').implement({
  description: 'An expected failure of a mutation, returned as data.',
  resolveType: (problem) => problem.__typename,
  fields: (t) => ({
    message: t.string({
      description: "What went wrong, in the request's language, picked as the REST API picks it: English when `Accept-Language` prefers it over Chinese, else Chinese.",
      resolve: (problem, _args, context) => problem.message[context.language],
    }),
  }),
});

export const taskNotFound = (taskId: string) => ({ ...problem('TaskNotFoundError', messages.taskNotFound), taskId });

export const TaskNotFoundError = builder.objectRef<Problem<'TaskNotFoundError'> & { taskId: string }>('TaskNotFoundError').implement({
  description: 'No task has this id (REST: 404).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ taskId: t.exposeID('taskId') }),
});
