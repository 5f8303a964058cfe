/** OpenAPI schemas shared by the REST areas (documentation only: fets does not validate responses). */
import { Type, type TSchema } from 'fets';

/** `{code, message, data}`, with data's fields mirrored at the top level. */
export const envelopeSchema = (data: TSchema = Type.Object({}, { additionalProperties: true })) =>
  Type.Object(
    { code: Type.Integer(), message: Type.String(), data },
    { additionalProperties: true, description: "The envelope; data's fields are also repeated at the top level." },
  );

/** A failure: `error` repeats the message at the top level, as the doc's clients read it. */
export const errorEnvelope = Type.Object(
  {
    code: Type.Integer(),
    message: Type.String(),
    data: Type.Object({}, { additionalProperties: true }),
    error: Type.String(),
  },
  { additionalProperties: true },
);

export const taskIdParams = Type.Object({ task_id: Type.String({ description: 'Task id (a UUID)', examples: ['3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b'] }) });
