import { z } from 'zod';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import {
  CustomerGroup,
  CustomerGroupCreateBody,
  CustomerGroupDeleteQuery,
  CustomerGroupList,
  CustomerGroupListQuery,
  CustomerGroupMembersBody,
  CustomerGroupMembersResult,
  CustomerGroupUpdateBody,
} from '../../../contracts/customer-groups.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  changeCustomerGroupMembers,
  createCustomerGroup,
  deleteCustomerGroup,
  getCustomerGroup,
  listCustomerGroups,
  updateCustomerGroup,
} from './customer-groups.service.ts';

export async function customerGroupsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const tags = ['Customer groups'];

  app.get('/api/customer-groups', {
    config: { access: 'customerGroups.read' },
    schema: {
      tags,
      summary: 'List customer groups by name, with member counts',
      querystring: CustomerGroupListQuery,
      response: { 200: CustomerGroupList },
    },
    handler: (request) => listCustomerGroups(db, request.ctx, request.query),
  });

  app.post('/api/customer-groups', {
    config: { access: 'customerGroups.write' },
    schema: {
      tags,
      summary: 'Create a customer group',
      description: 'A key already used, in any case, is 409 with `details` on `key`.',
      body: CustomerGroupCreateBody,
      response: { 201: CustomerGroup, 409: ErrorBody },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await createCustomerGroup(db, request.ctx, request.body)),
  });

  app.get('/api/customer-groups/:id', {
    config: { access: 'customerGroups.read' },
    schema: { tags, summary: 'Read a customer group', params: IdParams, response: { 200: CustomerGroup } },
    handler: (request) => getCustomerGroup(db, request.ctx, request.params.id),
  });

  app.patch('/api/customer-groups/:id', {
    config: { access: 'customerGroups.write' },
    schema: {
      tags,
      summary: 'Rename a group, set or remove its shared login password, change its validity window',
      description:
        'Contacts given the group’s password (by a bulk add with `logins: "group-password"`) and still ' +
        'using it follow the change: a new password or its removal applies to them, and so does a new ' +
        'window unless they were given a window of their own.',
      params: IdParams,
      body: CustomerGroupUpdateBody,
      response: { 200: CustomerGroup },
    },
    handler: (request) => updateCustomerGroup(db, request.ctx, request.params.id, request.body),
  });

  app.delete('/api/customer-groups/:id', {
    config: { access: 'customerGroups.write' },
    schema: {
      tags,
      summary: 'Delete a customer group',
      description:
        'A group with members is refused with 409, unless `moveTo` names another group: its members ' +
        'join that group first.',
      params: IdParams,
      querystring: CustomerGroupDeleteQuery,
      response: { 204: z.null(), 409: ErrorBody, 422: ErrorBody },
    },
    handler: async (request, reply) => {
      await deleteCustomerGroup(db, request.ctx, request.params.id, request.query);
      return reply.status(204).send(null);
    },
  });

  const members = [
    ['', 'add', 'Add contacts and accounts to the group'],
    ['/remove', 'remove', 'Take contacts and accounts out of the group'],
  ] as const;
  for (const [suffix, change, summary] of members) {
    app.post(`/api/customer-groups/:id/members${suffix}`, {
      config: { access: 'customerGroups.write' },
      schema: {
        tags,
        summary,
        description:
          'Ids that do not exist (or that the employee cannot see) are 422, naming them; nothing changes then.',
        params: IdParams,
        body: CustomerGroupMembersBody,
        response: { 200: CustomerGroupMembersResult, 422: ErrorBody },
      },
      handler: (request) =>
        changeCustomerGroupMembers(db, request.ctx, request.params.id, request.body, change),
    });
  }
}
