// The athletes capability's public face: everything other modules may use of it.
export {
  type Athlete,
  athleteExists,
  type AthleteStatus,
  connectedSince,
  countAuthorizedAthletes,
  deleteAthlete,
  deleteAthleteConnectedBefore,
  getAthlete,
  markBanned,
  markDisconnected,
  markUnbanned,
  revokeSessions,
  setAthleteScopes,
  upsertConnectedAthlete,
} from './store.js';
