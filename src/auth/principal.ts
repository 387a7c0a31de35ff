/** Who is calling: an agency system, or a person/tool holding a role. */
export type Principal =
  | { kind: 'agency'; keyId: string; agency: string }
  | { kind: 'role'; keyId: string; role: Role };

export type Role = 'admin' | 'operator' | 'auditor';

/** Actor name written into audit events. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'agency' ? `agency:${principal.agency}` : `${principal.role}:${principal.keyId}`;
}
