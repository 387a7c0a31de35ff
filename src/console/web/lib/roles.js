// What each role may do, as the API enforces it (README "API"): the console hides or disables what a
// role cannot do, and the API refuses it anyway.
const CAN = {
  readAudit: ['admin', 'auditor'],
  searchLog: ['admin', 'auditor'],
  resend: ['admin', 'operator'],
  pause: ['admin', 'operator'],
  editConfig: ['admin'],
};

export function can(role, action) {
  return (CAN[action] ?? []).includes(role);
}
