// Cloud Functions entry point: registers each function with the Functions Framework under the name it is deployed as.
import * as functions from '@google-cloud/functions-framework';
import { updateTokens } from './update-tokens.js';

functions.http('update_tokens', updateTokens);
