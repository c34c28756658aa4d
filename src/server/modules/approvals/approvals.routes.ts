import { Account } from '../../../contracts/accounts.ts';
import { ApprovalCount, ApprovalList, ApprovalListQuery } from '../../../contracts/approvals.ts';
import { ErrorBody, IdParams } from '../../../contracts/common.ts';
import { RejectBody } from '../../../contracts/registration.ts';
import type { App, AppDeps } from '../../deps.ts';
import {
  approvalsDepsOf,
  approveAccount,
  countApprovals,
  listApprovals,
  rejectAccount,
} from './approvals.service.ts';

export async function approvalsRoutes(app: App, deps: AppDeps) {
  const { db } = deps.database;
  const approvalsDeps = approvalsDepsOf(deps);
  const tags = ['Approvals'];

  app.get('/api/approvals', {
    config: { access: 'approvals.manage' },
    schema: {
      tags,
      summary: 'Accounts waiting for approval, with their contacts and suspected duplicates',
      description:
        'The longest waiting first. `suspectedDuplicates` (at most 5) are other accounts with the same name ' +
        '(whatever the case and accents) or with a contact at the same email domain; webmail domains such as ' +
        'gmail.com are not compared.',
      querystring: ApprovalListQuery,
      response: { 200: ApprovalList },
    },
    handler: (request) => listApprovals(db, request.ctx, request.query.limit),
  });

  app.get('/api/approvals/count', {
    config: { access: 'approvals.manage' },
    schema: { tags, summary: 'How many accounts wait for approval', response: { 200: ApprovalCount } },
    handler: (request) => countApprovals(db, request.ctx),
  });

  app.post('/api/accounts/:id/approve', {
    config: { access: 'approvals.manage' },
    schema: {
      tags,
      summary: 'Approve a pending account',
      description:
        'The account and its pending contacts become active; each of those contacts gets the ' +
        '`account-approved` email. An account that is not pending (another employee decided first) is 409 ' +
        'and nothing is sent.',
      params: IdParams,
      response: { 200: Account, 404: ErrorBody, 409: ErrorBody },
    },
    handler: (request) => approveAccount(approvalsDeps, request.ctx, request.params.id),
  });

  app.post('/api/accounts/:id/reject', {
    config: { access: 'approvals.manage' },
    schema: {
      tags,
      summary: 'Reject a pending account, with the reason its contacts are told',
      description:
        'The account and its pending contacts are disabled; each of those contacts gets the ' +
        '`account-rejected` email with the reason. An account that is not pending is 409.',
      params: IdParams,
      body: RejectBody,
      response: { 200: Account, 404: ErrorBody, 409: ErrorBody },
    },
    handler: (request) => rejectAccount(approvalsDeps, request.ctx, request.params.id, request.body.reason),
  });
}
