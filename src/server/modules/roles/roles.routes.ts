import { z } from 'zod';
import { Key } from '../../../contracts/common.ts';
import {
  GroupRole,
  GroupRoleCreateBody,
  GroupRoleUpdateBody,
  Role,
  RoleCreateBody,
  RoleUpdateBody,
} from '../../../contracts/roles.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  createGroupRole,
  createRole,
  deleteGroupRole,
  deleteRole,
  listGroupRoles,
  listRoles,
  updateGroupRole,
  updateRole,
} from './roles.service.ts';

const KeyParams = z.object({ key: Key });

export async function rolesRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;

  app.get('/api/roles', {
    config: { access: 'roles.read' },
    schema: { tags: ['Roles'], summary: 'List storefront roles', response: { 200: z.array(Role) } },
    handler: (request) => listRoles(db, request.ctx),
  });
  app.post('/api/roles', {
    config: { access: 'roles.write' },
    schema: { tags: ['Roles'], summary: 'Create a role', body: RoleCreateBody, response: { 201: Role } },
    handler: async (request, reply) =>
      reply.status(201).send(await createRole(db, request.ctx, request.body)),
  });
  app.patch('/api/roles/:key', {
    config: { access: 'roles.write' },
    schema: {
      tags: ['Roles'],
      summary: 'Rename or describe a role',
      params: KeyParams,
      body: RoleUpdateBody,
      response: { 200: Role },
    },
    handler: (request) => updateRole(db, request.ctx, request.params.key, request.body),
  });
  app.delete('/api/roles/:key', {
    config: { access: 'roles.write' },
    schema: {
      tags: ['Roles'],
      summary: 'Delete a role nobody holds',
      params: KeyParams,
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await deleteRole(db, request.ctx, request.params.key);
      return reply.status(204).send(null);
    },
  });

  const tags = ['Group roles'];
  app.get('/api/group-roles', {
    config: { access: 'roles.read' },
    schema: { tags, summary: 'List group roles with their roles', response: { 200: z.array(GroupRole) } },
    handler: (request) => listGroupRoles(db, request.ctx),
  });
  app.post('/api/group-roles', {
    config: { access: 'roles.write' },
    schema: { tags, summary: 'Create a group role', body: GroupRoleCreateBody, response: { 201: GroupRole } },
    handler: async (request, reply) =>
      reply.status(201).send(await createGroupRole(db, request.ctx, request.body)),
  });
  app.patch('/api/group-roles/:key', {
    config: { access: 'roles.write' },
    schema: {
      tags,
      summary: 'Change a group role',
      params: KeyParams,
      body: GroupRoleUpdateBody,
      response: { 200: GroupRole },
    },
    handler: (request) => updateGroupRole(db, request.ctx, request.params.key, request.body),
  });
  app.delete('/api/group-roles/:key', {
    config: { access: 'roles.write' },
    schema: {
      tags,
      summary: 'Delete a group role nobody holds',
      params: KeyParams,
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await deleteGroupRole(db, request.ctx, request.params.key);
      return reply.status(204).send(null);
    },
  });
}
