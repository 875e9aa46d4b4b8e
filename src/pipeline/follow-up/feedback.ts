// What a follow-up round works from: re-exported from the layer intake and pipeline both import.
export {
  FOLLOW_UP_DATA_KEY,
  type CheckFailure,
  type CiFeedback,
  type FollowUpFeedback,
  type InlineComment,
  type ReviewFeedback,
} from "../../github/follow-up-feedback.js";
