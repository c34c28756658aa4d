import { z } from 'zod';
import { Key, optionalText, text, Uuid } from './common.ts';

export const Role = z.object({
  id: Uuid,
  key: z.string(),
  name: z.string(),
  description: z.string().nullable(),
});
export type Role = z.infer<typeof Role>;
export const RoleCreateBody = z.object({ key: Key, name: text(100), description: optionalText(500) });
export const RoleUpdateBody = z.object({ name: text(100).optional(), description: optionalText(500) });

export const GroupRole = z.object({
  id: Uuid,
  key: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
});
export type GroupRole = z.infer<typeof GroupRole>;
export const GroupRoleCreateBody = z.object({ key: Key, name: text(100), roles: z.array(Key).max(100) });
export const GroupRoleUpdateBody = z.object({
  name: text(100).optional(),
  roles: z.array(Key).max(100).optional(),
});
