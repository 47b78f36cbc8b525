//! Submitting a return: refused while an answer below "met" lacks its action (each question
//! named), then submitted once, partly complete when graded questions are unanswered, with its
//! actions raised in the improvement tracker in the same change.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::returns::{Framing, Refused, answerable, framing, return_page_for};
use crate::assurance::evidence::{action_field, lacking_actions};
use crate::assurance::evidence_store;
use crate::assurance::grades::Grade;
use crate::assurance::model::{QuestionId, QuestionKind, ReturnId};
use crate::assurance::progress::{is_submitted, required_graded};
use crate::assurance::store::{self, Answer, AnswerValue, Question};
use crate::kernel::text::FormErrors;
use crate::kernel::{AppResult, AppState, Ctx, filters, render_refused};

/// Submits a return; a second submit changes nothing and says so. Every answer below "met"
/// needs its action first (the refusal names each question); the actions are then raised in
/// the improvement tracker in the same change.
pub async fn submit_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ReturnId>,
) -> AppResult<Response> {
    let audit_return = answerable(&state, &ctx, id).await?;
    let scope = ctx.scope(&state)?;
    let Framing {
        round,
        version,
        setting,
    } = framing(scope, &audit_return).await?;
    if !is_submitted(audit_return.status) {
        let answers = store::answers_of(scope, id).await?;
        let actions: Vec<QuestionId> = evidence_store::actions_of_return(scope, id)
            .await?
            .into_iter()
            .map(|action| action.question_id)
            .collect();
        let asked: Vec<&Question> = version
            .questions()
            .filter(|question| question.kind == QuestionKind::Grade && question.applies(setting))
            .collect();
        let grade_of = |question: &Question| match answers.get(&question.id) {
            Some(Answer {
                value: AnswerValue::Grade(grade),
                to_review: false,
                ..
            }) => Some(*grade),
            _ => None,
        };
        let lacking = lacking_actions(asked.iter().map(|question| {
            (
                question.code.as_str(),
                grade_of(question),
                actions.contains(&question.id),
            )
        }));
        if !lacking.is_empty() {
            let mut errors = FormErrors::default();
            for question in asked
                .iter()
                .filter(|question| lacking.contains(&question.code))
            {
                let standard = version
                    .standards
                    .iter()
                    .find(|standard| standard.id == question.standard_id)
                    .map_or(0, |standard| standard.number);
                let grade = grade_of(question).map_or("", Grade::label);
                errors.add(
                    &action_field(question.id, "owner"),
                    format!(
                        "Question {}: answered {}, so it needs an action (owner, due date and what will change): add it and save standard {standard} before submitting. The return was not submitted",
                        question.code,
                        grade.to_lowercase()
                    ),
                );
            }
            let refused = Refused {
                errors,
                ..Refused::default()
            };
            return render_refused(
                &return_page_for(&state, &ctx, audit_return, Some(refused)).await?,
            );
        }
    }
    let required = required_graded(&version, setting);
    let answered = usize::try_from(audit_return.graded_answered)
        .unwrap_or(0)
        .min(required);
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let said = if store::submit_return(&mut change, &audit_return, &by).await? {
        let raised = evidence_store::raise_in_tracker(&mut change, &audit_return, &round).await?;
        // The other partnerships' returns that follow this one take the submission too.
        let followed = crate::assurance::shared_store::bring_into_step(&mut change, id).await?;
        change.commit().await?;
        let mut said = if answered < required {
            format!(
                "Return submitted as partly complete: {answered} of {required} graded questions answered"
            )
        } else {
            "Return submitted".to_owned()
        };
        if followed > 0 {
            said.push_str(&format!(
                ". Copied to the {} that share it",
                filters::count_of(
                    i64::try_from(followed).unwrap_or(i64::MAX),
                    "partnership",
                    "partnerships"
                )
            ));
        }
        if raised > 0 {
            said.push_str(&format!(
                ". {} added to the improvement tracker",
                filters::count_of(
                    i64::try_from(raised).unwrap_or(i64::MAX),
                    "action",
                    "actions"
                )
            ));
        }
        said
    } else {
        change.rollback().await?;
        "This return was already submitted: nothing changed".to_owned()
    };
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/returns/{id}")).into_response())
}
