/** Demo identifiers: accounts acc_00012, users u_00012_03, messages m_0000012_000034. */

/** Zero-padded account number (1-based), shared by account, user and conversation ids. */
export function accountTag(index: number): string {
  return String(index + 1).padStart(5, '0');
}

export function accountId(index: number): string {
  return `acc_${accountTag(index)}`;
}

/** Zero-padded account number used in message ids. */
export function messageTag(index: number): string {
  return String(index + 1).padStart(7, '0');
}
