// Quarantine notifications by e-mail through the configured SMTP relay (Exchange mails
// AdminMailRecipients when a device is quarantined). nodemailer does the SMTP.
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { QuarantineNotifier } from '../access/service.js';

export interface SmtpRelayOptions {
  /** smtp://host:port or smtps://user:pass@host:port */
  url: string;
  from: string;
}

export function createSmtpNotifier(o: SmtpRelayOptions): QuarantineNotifier & { close(): void } {
  const transport: Transporter = nodemailer.createTransport(o.url);
  return {
    async deviceQuarantined({ device, user, decision, org }) {
      const lines = [
        `A device was quarantined and is waiting for an administrator.`,
        ``,
        `User:          ${user.displayName} <${user.email}> (${user.username})`,
        `DeviceId:      ${device.deviceId}${device.brokerId ? ` (via ${device.brokerId})` : ''}`,
        `DeviceType:    ${device.deviceType}`,
        `DeviceModel:   ${device.model ?? ''}`,
        `DeviceOS:      ${device.os ?? ''}`,
        `UserAgent:     ${device.userAgent ?? ''}`,
        `App version:   ${device.appFamily ?? ''} ${device.appVersion ?? ''}`,
        `Why:           ${decision.explanation}`,
        device.releaseCondition
          ? `Release:       automatically when ${JSON.stringify(device.releaseCondition)}`
          : '',
        ``,
        `Allow or block it: syncward quarantine allow|block ${device.id}`,
      ];
      await transport.sendMail({
        from: o.from,
        to: org.adminMailRecipients,
        subject: `Quarantined device: ${user.username} ${device.deviceType} ${device.model ?? ''}`.trim(),
        text: lines.filter((l, i) => l !== '' || i < lines.length - 1).join('\n'),
      });
    },
    close() {
      transport.close();
    },
  };
}
