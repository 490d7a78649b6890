//! The abstract state machine: which records of each modelled resource exist (live or gone),
//! which calls can follow, and how each call changes that state. Sequences of calls come from
//! `proptest-state-machine`'s [`Sequential`] strategy, which also shrinks them (dropping calls,
//! then simplifying each) while the preconditions below still hold.
//!
//! Not for: sending anything (see `play`).

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use proptest_state_machine::Sequential;

use crate::spec::{Model, ModelCall};

/// What a call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Create,
    Duplicate,
    Read,
    Update,
    Delete,
}

impl Action {
    pub(super) fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Duplicate => "duplicate create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    /// The model's declaration of this call (a duplicate is sent to the create endpoint).
    pub(super) fn call(self, model: &Model) -> Option<&ModelCall> {
        match self {
            Action::Create | Action::Duplicate => Some(&model.create),
            Action::Read => model.read.as_ref(),
            Action::Update => model.update.as_ref(),
            Action::Delete => model.delete.as_ref(),
        }
    }
}

/// Which record a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On {
    /// A new record (a create).
    Fresh,
    /// The n-th record this sequence created of the resource (from 0).
    Record(usize),
    /// A record that was never created (named by the model's `unknown` values).
    Unknown,
}

/// One call of a sequence. `choices` drive the generators of its request.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub model: usize,
    pub action: Action,
    pub on: On,
    pub choices: Vec<u64>,
}

/// Whether a record exists on the model's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Life {
    Live,
    Gone,
}

/// The model state: per modelled resource, its records in creation order.
pub(super) type State = Vec<Vec<Life>>;

/// Choices per call: enough for the optional fields of a body, short to shrink.
const CHOICES_PER_CALL: usize = 24;

/// Whether `call` may follow `state`: its record exists in the sequence, and a call on a
/// record that is gone (or unknown) has a documented answer.
pub(super) fn allowed(models: &[Model], state: &State, call: &Call) -> bool {
    let (Some(model), Some(records)) = (models.get(call.model), state.get(call.model)) else {
        return false;
    };
    let Some(declared) = call.action.call(model) else {
        return false;
    };
    match (call.action, call.on) {
        (Action::Create, On::Fresh) => true,
        (Action::Duplicate, On::Record(i)) => model.duplicate.is_some() && i < records.len(),
        (Action::Read | Action::Update | Action::Delete, On::Record(i)) => {
            records.get(i) == Some(&Life::Live)
                || (records.get(i) == Some(&Life::Gone) && declared.missing.is_some())
        }
        (Action::Read | Action::Update | Action::Delete, On::Unknown) => {
            declared.missing.is_some() && !model.unknown.is_empty()
        }
        _ => false,
    }
}

/// The model state after `call`.
pub(super) fn next(mut state: State, call: &Call) -> State {
    if let Some(records) = state.get_mut(call.model) {
        match (call.action, call.on) {
            (Action::Create, _) => records.push(Life::Live),
            (Action::Duplicate, On::Record(i)) => {
                // A duplicate of a deleted record is a fresh create of the same key.
                if let Some(life) = records.get_mut(i) {
                    *life = Life::Live;
                }
            }
            (Action::Delete, On::Record(i)) => {
                if let Some(life) = records.get_mut(i) {
                    *life = Life::Gone;
                }
            }
            _ => {}
        }
    }
    state
}

/// A call without its choices: (model, action, record).
type Pick = (usize, Action, On);

/// The calls that may follow `state`, weighted towards those that exercise records.
fn transitions(models: &[Model], state: &State) -> BoxedStrategy<Call> {
    let mut options: Vec<(u32, BoxedStrategy<Pick>)> = Vec::new();
    for (m, model) in models.iter().enumerate() {
        let records = state.get(m).map(Vec::as_slice).unwrap_or(&[]);
        options.push((3, Just((m, Action::Create, On::Fresh)).boxed()));
        if model.duplicate.is_some() && !records.is_empty() {
            options.push((
                2,
                (0..records.len())
                    .prop_map(move |i| (m, Action::Duplicate, On::Record(i)))
                    .boxed(),
            ));
        }
        for action in [Action::Read, Action::Update, Action::Delete] {
            let Some(call) = action.call(model) else {
                continue;
            };
            let targets: Vec<usize> = (0..records.len())
                .filter(|&i| records[i] == Life::Live || call.missing.is_some())
                .collect();
            if !targets.is_empty() {
                options.push((
                    2,
                    proptest::sample::select(targets)
                        .prop_map(move |i| (m, action, On::Record(i)))
                        .boxed(),
                ));
            }
            if call.missing.is_some() && !model.unknown.is_empty() {
                options.push((1, Just((m, action, On::Unknown)).boxed()));
            }
        }
    }
    (
        Union::new_weighted(options),
        proptest::collection::vec(any::<u64>(), 0..CHOICES_PER_CALL),
    )
        .prop_map(|((model, action, on), choices)| Call {
            model,
            action,
            on,
            choices,
        })
        .boxed()
}

/// The strategy of call sequences (1 to `max_calls` calls) over `models`, starting with no
/// record.
pub(super) fn sequences(
    models: Arc<Vec<Model>>,
    max_calls: usize,
) -> Sequential<State, Call, BoxedStrategy<State>, BoxedStrategy<Call>> {
    let empty: State = vec![Vec::new(); models.len()];
    let for_allowed = models.clone();
    Sequential::new(
        (1..=max_calls.max(1)).into(),
        move || Just(empty.clone()).boxed(),
        move |state: &State, call: &Call| allowed(&for_allowed, state, call),
        move |state: &State| transitions(&models, state),
        next,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// One resource whose read of a deleted record is documented (by a row), unlike its
    /// update and delete.
    fn models() -> Vec<Model> {
        serde_saphyr::from_str(
            r#"
- resource: widget
  create:
    endpoint: widget-create
    save: { widget_id: "response:/id" }
  read: { endpoint: widget-get, missing: acme.widget.gone }
  update: { endpoint: widget-update }
  delete: { endpoint: widget-delete }
"#,
        )
        .expect("the test model parses")
    }

    #[test]
    fn generated_sequences_only_call_records_the_model_allows() {
        let models = models();
        let strategy = sequences(Arc::new(models.clone()), 12);
        let mut runner = TestRunner::deterministic();
        for _ in 0..64 {
            let (state, calls, _) = strategy.new_tree(&mut runner).expect("a tree").current();
            assert!(!calls.is_empty() && calls.len() <= 12);
            let mut state = state;
            for call in &calls {
                assert!(allowed(&models, &state, call), "{call:?} after {state:?}");
                state = next(state, call);
            }
        }
    }

    #[test]
    fn a_deleted_record_is_gone_and_a_call_on_it_needs_a_missing_row() {
        let models = models();
        let call = |action, on| Call {
            model: 0,
            action,
            on,
            choices: Vec::new(),
        };
        let state = next(vec![Vec::new()], &call(Action::Create, On::Fresh));
        assert_eq!(state, vec![vec![Life::Live]]);
        let state = next(state, &call(Action::Delete, On::Record(0)));
        assert_eq!(state, vec![vec![Life::Gone]]);
        // The model documents a read of a deleted record, not an update or a delete.
        assert!(allowed(&models, &state, &call(Action::Read, On::Record(0))));
        assert!(!allowed(
            &models,
            &state,
            &call(Action::Update, On::Record(0))
        ));
        assert!(!allowed(
            &models,
            &state,
            &call(Action::Delete, On::Record(0))
        ));
        assert!(!allowed(
            &models,
            &state,
            &call(Action::Read, On::Record(1))
        ));
    }
}
