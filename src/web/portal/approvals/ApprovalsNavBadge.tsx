import { Badge } from '@mantine/core';
import { useApprovalCount } from '../../api/approvals.ts';

/** The count of waiting requests next to "Approvals" in the navigation. */
export function ApprovalsNavBadge() {
  const count = useApprovalCount();
  if (!count.data) return null;
  return (
    <Badge size="sm" color="orange" circle={count.data < 10} aria-label={`${count.data} waiting`}>
      {count.data > 99 ? '99+' : count.data}
    </Badge>
  );
}
