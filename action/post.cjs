// Built by scripts/build-action.mjs from src/action/: do not edit.
"use strict";var e=require("./steps.cjs");(0,e.runStep)(e.revokeStep,!0);
