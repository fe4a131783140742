//! `/contacts/:id/tasks`

use super::{
    ContactId, Deleted, Error, GhlClient, NO_BODY, NewTask, Task, TaskEnvelope, TaskId,
    TasksEnvelope, UpdateTask, endpoints as ep,
};
use crate::transport::Transport;

pub struct TasksHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

#[derive(serde::Serialize)]
struct Completed {
    completed: bool,
}

impl<T: Transport> TasksHandler<'_, T> {
    /// `GET /contacts/:contactId/tasks`
    pub async fn list(&self, contact: &ContactId) -> Result<Vec<Task>, Error> {
        let env: TasksEnvelope = self
            .client
            .call(&ep::LIST_TASKS, &[&contact.0], &[], NO_BODY)
            .await?;
        Ok(env.tasks)
    }

    /// `GET /contacts/:contactId/tasks/:taskId`
    pub async fn get(&self, contact: &ContactId, id: &TaskId) -> Result<Task, Error> {
        let env: TaskEnvelope = self
            .client
            .call(&ep::GET_TASK, &[&contact.0, &id.0], &[], NO_BODY)
            .await?;
        Ok(env.task)
    }

    /// `POST /contacts/:contactId/tasks`
    pub async fn create(&self, contact: &ContactId, task: &NewTask) -> Result<Task, Error> {
        let env: TaskEnvelope = self
            .client
            .call(&ep::CREATE_TASK, &[&contact.0], &[], Some(task))
            .await?;
        Ok(env.task)
    }

    /// `PUT /contacts/:contactId/tasks/:taskId`
    pub async fn update(
        &self,
        contact: &ContactId,
        id: &TaskId,
        task: &UpdateTask,
    ) -> Result<Task, Error> {
        let env: TaskEnvelope = self
            .client
            .call(&ep::UPDATE_TASK, &[&contact.0, &id.0], &[], Some(task))
            .await?;
        Ok(env.task)
    }

    /// `PUT /contacts/:contactId/tasks/:taskId/completed`
    pub async fn set_completed(
        &self,
        contact: &ContactId,
        id: &TaskId,
        completed: bool,
    ) -> Result<Task, Error> {
        let env: TaskEnvelope = self
            .client
            .call(
                &ep::COMPLETE_TASK,
                &[&contact.0, &id.0],
                &[],
                Some(&Completed { completed }),
            )
            .await?;
        Ok(env.task)
    }

    /// `DELETE /contacts/:contactId/tasks/:taskId`
    pub async fn delete(&self, contact: &ContactId, id: &TaskId) -> Result<bool, Error> {
        let d: Deleted = self
            .client
            .call(&ep::DELETE_TASK, &[&contact.0, &id.0], &[], NO_BODY)
            .await?;
        Ok(d.succeeded())
    }
}
