/**
 * Expected failures are data: every typed error implements `Error { message }`, and each mutation returns a union of
 * its success type and the errors it can meet. Only bugs and malformed requests become GraphQL errors.
 */
import { builder } from '../builder.js';
import type { Message } from '../messages.js';

export interface Problem<Name extends string> {
  __typename: Name;
  message: Message;
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

export const TaskNotFoundError = builder.objectRef<Problem<'TaskNotFoundError'> & { taskId: string }>('TaskNotFoundError').implement({
  description: 'No task has this id (REST: 404).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ taskId: t.exposeID('taskId') }),
});
